-- The weighted median of every row of mart_smuggling_price_trends and mart_drug_price_trends:
-- the point estimate where the cumulative source_weight of the row reaches half its total;
-- when it lands exactly on half, the midpoint of that value and the next (as the plain median
-- does with equal weights and an even count). Weights are summed in whole millionths, exact
-- in any order, so a cumulative weight that lands exactly on half is found as such (summed as
-- fractions, 101 of 1,443 smuggling and 26 of 1,332 drug rows at 10M observations came out
-- off by a float rounding). The per-file weights by price band find the band holding the
-- median, and only the prices of that band are sorted.
with bands as (
    select
        'people' as flow,
        mart_row_key,
        price_band,
        price_weight
    from int_smuggling_price_bands
    union all
    select
        'drugs' as flow,
        mart_row_key,
        price_band,
        price_weight
    from int_drug_price_bands
),

cells as (
    select
        'people' as flow,
        mart_row_key,
        price_band,
        price_mid_eur,
        source_weight
    from int_smuggling_price_cells
    union all
    select
        'drugs' as flow,
        mart_row_key,
        price_band,
        price_mid_eur,
        source_weight
    from int_drug_price_cells
),

row_bands as (
    -- The weight of each row's point estimates per band, below the band and up to it.
    select
        flow,
        mart_row_key,
        price_band,
        sum(sum(price_weight)) over up_to_band - sum(price_weight) as weight_below_band,
        sum(sum(price_weight)) over up_to_band as weight_up_to_band,
        sum(sum(price_weight)) over (partition by flow, mart_row_key) as total_weight
    from bands
    group by flow, mart_row_key, price_band
    window up_to_band as (
        partition by flow, mart_row_key
        order by price_band
        rows between unbounded preceding and current row
    )
),

median_bands as (
    -- The band where the cumulative weight reaches half the total and the band where it
    -- passes half: the same one unless it lands exactly on half at a band's last price.
    select
        flow,
        mart_row_key,
        price_band,
        weight_below_band,
        total_weight
    from row_bands
    where 2 * weight_up_to_band >= total_weight and 2 * weight_below_band <= total_weight
),

median_band_cells as (
    -- The prices of those bands with the weight up to each, as if the whole row had been
    -- sorted: bands never order two prices differently than the prices do.
    select
        cells.flow,
        cells.mart_row_key,
        cells.price_mid_eur,
        median_bands.total_weight,
        median_bands.weight_below_band + sum(round(cells.source_weight * 1000000)) over (
            partition by cells.flow, cells.mart_row_key, cells.price_band
            order by cells.price_mid_eur
            rows between unbounded preceding and current row
        ) as weight_up_to_here
    from cells
    inner join median_bands
        on
            cells.flow = median_bands.flow
            and cells.mart_row_key = median_bands.mart_row_key
            and cells.price_band = median_bands.price_band
),

final as (
    select
        flow,
        mart_row_key,
        (
            min(price_mid_eur) filter (where 2 * weight_up_to_here >= total_weight)
            + min(price_mid_eur) filter (where 2 * weight_up_to_here > total_weight)
        ) / 2 as weighted_median_eur
    from median_band_cells
    group by flow, mart_row_key
)

select * from final
