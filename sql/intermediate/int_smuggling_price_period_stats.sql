-- materialized: incremental
-- What each raw file gives every mart_smuggling_price_trends row: its cells, point estimates,
-- lowest low and highest high, with the row's leg, service and period. They add up over the
-- files, so the trend mart sums a few rows per file instead of reading every cell (30M at
-- 10M observations), and sorts only the prices of the bands holding its quartiles.
with cells as (
    select * from int_smuggling_price_cells
),

calendar as (
    -- The grain and last day of each calendar period, from the calendar the cells were cut
    -- from: read back here per trend row rather than stored in every cell.
    select distinct
        period_months,
        period_start,
        period_grain,
        period_end
    from int_span_periods
),

per_file as (
    -- Grouped by the row key (the other columns follow from it), as the trend mart does.
    select
        file_path,
        mart_row_key,
        any_value(series_key) as series_key,
        any_value(leg) as leg,
        any_value(commodity) as commodity,
        any_value(unit) as unit,
        any_value(period_months) as period_months,
        any_value(period_start) as period_start,
        count(*) as n_obs,
        count(price_mid_eur) as n_point_estimates,
        min(price_low_eur) as min_low_eur,
        max(price_high_eur) as max_high_eur
    from cells
    group by file_path, mart_row_key
),

final as (
    select
        per_file.file_path,
        per_file.mart_row_key,
        per_file.series_key,
        per_file.leg,
        -- A leg is origin->destination in ISO codes, '?' for a blank end
        -- (stg_price_observations).
        nullif(split_part(per_file.leg, '->', 1), '?') as origin_country,
        nullif(split_part(per_file.leg, '->', 2), '?') as destination_country,
        per_file.commodity,
        per_file.unit,
        calendar.period_grain,
        per_file.period_months,
        per_file.period_start,
        calendar.period_end,
        per_file.n_obs,
        per_file.n_point_estimates,
        per_file.min_low_eur,
        per_file.max_high_eur
    from per_file
    inner join calendar
        on
            per_file.period_months = calendar.period_months
            and per_file.period_start = calendar.period_start
)

select * from final
