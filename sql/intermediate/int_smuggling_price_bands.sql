-- materialized: incremental
-- The point estimates of each raw file per mart_smuggling_price_trends row and price band
-- (see int_smuggling_price_cells.price_band): how many, and their total weight in
-- millionths. A file has a few of these per trend row however many cells it has, so
-- int_weighted_medians finds from them the band that holds a row's weighted median and the
-- trend mart the bands that hold its rolling medians; only the prices of those are sorted.
with cells as (
    select * from int_smuggling_price_cells
    where price_mid_eur is not null
),

final as (
    select
        file_path,
        mart_row_key,
        is_last_period,
        price_band,
        count(*) as n_prices,
        -- A weight has at most 6 decimals, so these are whole numbers, which a DOUBLE adds
        -- exactly (below 2^53) in any order.
        sum(round(source_weight * 1000000)) as price_weight
    from cells
    group by file_path, mart_row_key, is_last_period, price_band
)

select * from final
