-- materialized: incremental
-- The point estimates of each raw file per mart_drug_price_trends row and price band (see
-- int_drug_price_cells.price_band): their total weight in millionths. A file has a few of
-- these per trend row however many cells it has, so int_weighted_medians finds from them
-- the band that holds a row's weighted median and sorts only the prices of that band.
with cells as (
    select * from int_drug_price_cells
    where price_mid_eur is not null
),

final as (
    select
        file_path,
        mart_row_key,
        price_band,
        -- A weight has at most 6 decimals, so these are whole numbers, which a DOUBLE adds
        -- exactly (below 2^53) in any order.
        sum(round(source_weight * 1000000)) as price_weight
    from cells
    group by file_path, mart_row_key, price_band
)

select * from final
