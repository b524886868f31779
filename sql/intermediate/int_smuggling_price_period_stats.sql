-- materialized: incremental
-- What each raw file gives every mart_smuggling_price_trends row: its cells, point estimates,
-- lowest low and highest high, with the row's leg, service and period. They add up over the
-- files, so the trend mart sums a few rows per file instead of reading every cell (30M at
-- 10M observations), and sorts only the prices of the bands holding its quartiles.
with cells as (
    select * from int_smuggling_price_cells
),

final as (
    -- Grouped by the row key (the other columns follow from it), as the trend mart does.
    select
        file_path,
        mart_row_key,
        any_value(series_key) as series_key,
        any_value(leg) as leg,
        any_value(origin_country) as origin_country,
        any_value(destination_country) as destination_country,
        any_value(commodity) as commodity,
        any_value(unit) as unit,
        any_value(period_grain) as period_grain,
        any_value(period_months) as period_months,
        any_value(period_start) as period_start,
        any_value(period_end) as period_end,
        count(*) as n_obs,
        count(price_mid_eur) as n_point_estimates,
        min(price_low_eur) as min_low_eur,
        max(price_high_eur) as max_high_eur
    from cells
    group by file_path, mart_row_key
)

select * from final
