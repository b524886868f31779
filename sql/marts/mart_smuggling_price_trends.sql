-- How the price of each smuggling leg moves, per leg (origin -> destination country), kind
-- of service and calendar month, quarter and year, in EUR, with how sure we are of it. An
-- observation that spans several months counts once in every period it touches (n_obs
-- counts observations, not months). Medians and percentiles are taken over point estimates
-- (a stated price or the midpoint of a range); bounds given alone count only towards
-- min_low_eur and max_high_eur. Changes compare medians with the period just before and the
-- same period a year before, where both have data. low_confidence flags fewer than 2
-- independent sources or fewer than 3 observations. mart_lineage lists the observations
-- behind every row (join on mart_row_key).
with cells as not materialized (
    -- Read where used, not stored first: each use reads only its own columns and rows (stored
    -- whole, the cells spilled 13 GB at 10M observations).
    select * from int_smuggling_price_cells
),

bands as (
    select * from int_smuggling_price_bands
),

weighted_medians as (
    select * from int_weighted_medians
    where flow = 'people'
),

sources as (
    select * from int_smuggling_price_sources
),

period_stats as (
    -- Grouped by the row key alone (the other columns follow from it): grouping by every
    -- column costs three times as much at a million observations.
    select
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
        quantile_cont(price_mid_eur, [0.5, 0.25, 0.75]) as quartiles,
        min(price_low_eur) as min_low_eur,
        max(price_high_eur) as max_high_eur
    from cells
    group by mart_row_key
),

source_counts as (
    select
        mart_row_key,
        count(distinct source_key) as n_sources
    from sources
    group by mart_row_key
),

period_figures as (
    select
        period_stats.* exclude (period_stats.quartiles),
        source_counts.n_sources,
        period_stats.quartiles[1] as median_eur,
        period_stats.quartiles[2] as p25_eur,
        period_stats.quartiles[3] as p75_eur
    from period_stats
    left join source_counts on period_stats.mart_row_key = source_counts.mart_row_key
),

row_ids as (
    -- A number for each row key: the rolling median groups and sorts its counts and values
    -- by row, and a number is much cheaper to group and sort by than the key's text.
    select
        mart_row_key,
        series_key,
        period_start,
        period_months,
        row_number() over (order by mart_row_key) as row_id
    from period_stats
),

band_counts as (
    -- The rolling median by rank, not median(), which holds every value of a row at once
    -- (65M values at 10M rows); and without sorting every window: the prices counted per
    -- band find the band of each middle rank and the rank within it, and only the prices of
    -- those bands are sorted.
    select
        mart_row_key,
        is_last_period,
        price_band,
        sum(n_prices) as n_prices
    from bands
    group by mart_row_key, is_last_period, price_band
),

window_band_counts as (
    -- The rolling window of a period is that period and the two before it. An observation
    -- spanning several of them counts once: each cell feeds its own period's window, and
    -- only an observation's last cell also feeds the windows of the next two periods. A
    -- window whose period has no row of its own is not needed.
    select
        window_rows.row_id,
        band_counts.price_band,
        sum(band_counts.n_prices) as n_prices
    from band_counts
    inner join row_ids as own_rows on band_counts.mart_row_key = own_rows.mart_row_key
    cross join
        unnest(if(band_counts.is_last_period, [0, 1, 2], [0])) as window_steps (periods_ahead)
    inner join row_ids as window_rows
        on
            own_rows.series_key = window_rows.series_key
            and own_rows.period_start
            + to_months(window_steps.periods_ahead * own_rows.period_months)
            = window_rows.period_start
    group by window_rows.row_id, band_counts.price_band
),

band_ranks as (
    select
        row_id,
        price_band,
        sum(n_prices) over (
            partition by row_id
            order by price_band
            rows between unbounded preceding and current row
        ) - n_prices as n_below_band,
        sum(n_prices) over (
            partition by row_id
            order by price_band
            rows between unbounded preceding and current row
        ) as n_up_to_band,
        sum(n_prices) over (partition by row_id) as n_in_window
    from window_band_counts
),

middle_ranks as (
    -- The middle rank, or the two middle ranks of an even count, with the band holding each
    -- and the rank within that band.
    select
        band_ranks.row_id,
        band_ranks.price_band,
        middle.rank_in_window - band_ranks.n_below_band as rank_in_band
    from band_ranks
    cross join
        unnest([
            (band_ranks.n_in_window + 1) // 2, (band_ranks.n_in_window + 2) // 2
        ]) as middle (rank_in_window)
    where
        middle.rank_in_window > band_ranks.n_below_band
        and middle.rank_in_window <= band_ranks.n_up_to_band
),

middle_bands as (
    -- The bands whose prices a window needs, one row each.
    select distinct
        middle_ranks.row_id,
        row_ids.series_key,
        row_ids.period_start,
        middle_ranks.price_band
    from middle_ranks
    inner join row_ids on middle_ranks.row_id = row_ids.row_id
),

middle_band_cells as (
    -- Only the cells of a series whose price falls in a band some window of that series
    -- needs (about a tenth of them at 1M rows), before they are spread over the windows.
    select
        cells.series_key,
        cells.period_start,
        cells.period_months,
        cells.is_last_period,
        cells.price_mid_eur,
        cells.price_band
    from cells
    semi join middle_bands
        on
            cells.series_key = middle_bands.series_key
            and cells.price_band = middle_bands.price_band
),

middle_band_members as (
    -- Each cell feeds the windows as in window_band_counts, here only those needing its
    -- band.
    select
        middle_bands.row_id,
        middle_bands.price_band,
        middle_band_cells.price_mid_eur
    from middle_band_cells
    cross join
        unnest(if(middle_band_cells.is_last_period, [0, 1, 2], [0]))
            as window_steps (periods_ahead)
    inner join middle_bands
        on
            middle_band_cells.series_key = middle_bands.series_key
            and middle_band_cells.price_band = middle_bands.price_band
            and middle_band_cells.period_start
            + to_months(window_steps.periods_ahead * middle_band_cells.period_months)
            = middle_bands.period_start
),

middle_band_ranks as (
    select
        row_id,
        price_band,
        price_mid_eur,
        row_number() over (
            partition by row_id, price_band order by price_mid_eur
        ) as rank_in_band
    from middle_band_members
),

rolling_medians as (
    -- The middle value, or halfway between the two middle values, computed as median()
    -- does in DuckDB 2 (low * 0.5 + high * 0.5) so that the figures are the same to the last
    -- bit (low + 0.5 * (high - low) is off by one in the last bit for some pairs).
    select
        middle_band_ranks.row_id,
        0.5 * min(middle_band_ranks.price_mid_eur) + 0.5 * max(middle_band_ranks.price_mid_eur)
            as rolling_3_median_eur
    from middle_band_ranks
    semi join middle_ranks
        on
            middle_band_ranks.row_id = middle_ranks.row_id
            and middle_band_ranks.price_band = middle_ranks.price_band
            and middle_band_ranks.rank_in_band = middle_ranks.rank_in_band
    group by middle_band_ranks.row_id
),

final as (
    select
        current_period.leg,
        current_period.origin_country,
        current_period.destination_country,
        current_period.commodity,
        current_period.unit,
        current_period.period_grain,
        current_period.period_start,
        current_period.period_end,
        current_period.n_obs,
        current_period.n_sources,
        current_period.n_point_estimates,
        current_period.median_eur,
        current_period.p25_eur,
        current_period.p75_eur,
        current_period.min_low_eur,
        current_period.max_high_eur,
        weighted_medians.weighted_median_eur,
        current_period.median_eur - previous_period.median_eur as change_vs_previous_eur,
        round(100 * (current_period.median_eur / previous_period.median_eur - 1), 2)
            as change_vs_previous_pct,
        current_period.median_eur - year_before.median_eur as change_vs_year_before_eur,
        round(100 * (current_period.median_eur / year_before.median_eur - 1), 2)
            as change_vs_year_before_pct,
        rolling_medians.rolling_3_median_eur,
        current_period.n_sources < 2 or current_period.n_obs < 3 as low_confidence,
        current_period.mart_row_key
    from period_figures as current_period
    left join period_figures as previous_period
        on
            current_period.series_key = previous_period.series_key
            and previous_period.period_start
            = current_period.period_start - to_months(current_period.period_months)
    left join period_figures as year_before
        on
            current_period.series_key = year_before.series_key
            and year_before.period_start = current_period.period_start - to_months(12)
    inner join row_ids on current_period.mart_row_key = row_ids.mart_row_key
    left join weighted_medians on current_period.mart_row_key = weighted_medians.mart_row_key
    left join rolling_medians on row_ids.row_id = rolling_medians.row_id
)

select * from final
order by leg, commodity, unit, period_grain, period_start
