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

file_stats as (
    select * from int_smuggling_price_period_stats
),

weighted_medians as (
    select * from int_weighted_medians
    where flow = 'people'
),

sources as (
    select * from int_smuggling_price_sources
),

period_stats as (
    -- Summed over the files; the other columns follow from the row key.
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
        sum(n_obs)::bigint as n_obs,
        sum(n_point_estimates)::bigint as n_point_estimates,
        min(min_low_eur) as min_low_eur,
        max(max_high_eur) as max_high_eur
    from file_stats
    group by mart_row_key
),

row_ids as (
    -- A number for each row key: the quartiles and the rolling median group and sort their
    -- counts and values by row, and a number is much cheaper to group and sort by than the
    -- key's text.
    select
        mart_row_key,
        series_key,
        period_start,
        period_months,
        n_point_estimates,
        row_number() over (order by mart_row_key) as row_id
    from period_stats
),

source_counts as (
    select
        mart_row_key,
        count(distinct source_key) as n_sources
    from sources
    group by mart_row_key
),

band_counts as (
    -- Quartiles and rolling medians by rank, not quantile_cont() or median(), which hold
    -- every value of a row at once (30M values for the quartiles at 10M rows, 65M for the
    -- rolling medians); and without sorting every row or window: the prices counted per band
    -- find the band of each rank needed and the rank within it, and only the prices of those
    -- bands are sorted.
    select
        mart_row_key,
        is_last_period,
        price_band,
        sum(n_prices) as n_prices
    from bands
    group by mart_row_key, is_last_period, price_band
),

quartile_positions as (
    -- Where quantile_cont() takes each quartile of a row's n point estimates: at position
    -- (n - 1) * q counted from 0, between the prices of ranks floor + 1 and ceil + 1 (from 1),
    -- at the fraction between them.
    select
        row_ids.row_id,
        quartiles.quantile,
        (row_ids.n_point_estimates - 1) * quartiles.quantile as rank_position,
        floor(rank_position)::bigint + 1 as low_rank,
        ceil(rank_position)::bigint + 1 as high_rank,
        rank_position - floor(rank_position) as fraction
    from row_ids
    cross join (values (0.5::double), (0.25::double), (0.75::double)) as quartiles (quantile)
    where row_ids.n_point_estimates > 0
),

row_band_counts as (
    -- The prices of each row's own period counted per band.
    select
        row_ids.row_id,
        band_counts.price_band,
        sum(band_counts.n_prices) as n_prices
    from band_counts
    inner join row_ids on band_counts.mart_row_key = row_ids.mart_row_key
    group by row_ids.row_id, band_counts.price_band
),

row_band_ranks as (
    -- The ranks each band of a row holds.
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
        ) as n_up_to_band
    from row_band_counts
),

quartile_ranks as (
    -- Each rank a quartile needs, with the band holding it and its rank within that band.
    select
        quartile_positions.row_id,
        quartile_positions.quantile,
        quartile_positions.fraction,
        row_band_ranks.price_band,
        picked.rank_in_row - row_band_ranks.n_below_band as rank_in_band
    from quartile_positions
    cross join
        unnest([
            quartile_positions.low_rank, quartile_positions.high_rank
        ]) as picked (rank_in_row)
    inner join row_band_ranks
        on
            quartile_positions.row_id = row_band_ranks.row_id
            and picked.rank_in_row > row_band_ranks.n_below_band
            and picked.rank_in_row <= row_band_ranks.n_up_to_band
),

quartile_band_cells as (
    -- Only the cells of the bands holding a quartile's ranks, each ranked within its band.
    select
        row_ids.row_id,
        cells.price_band,
        cells.price_mid_eur,
        row_number() over (
            partition by row_ids.row_id, cells.price_band order by cells.price_mid_eur
        ) as rank_in_band
    from cells
    inner join row_ids on cells.mart_row_key = row_ids.mart_row_key
    semi join quartile_ranks
        on
            row_ids.row_id = quartile_ranks.row_id
            and cells.price_band = quartile_ranks.price_band
),

quartiles as (
    -- The two prices of each quartile, interpolated by quantile_cont() itself: over two
    -- values it takes the fraction as its position, so each figure is the one quantile_cont()
    -- gives over every price of the row, to the last bit (DuckDB may fuse its multiply and
    -- add, which SQL cannot write).
    select
        quartile_ranks.row_id,
        quartile_ranks.quantile,
        case quartile_ranks.fraction
            when 0.25 then quantile_cont(quartile_band_cells.price_mid_eur, 0.25)
            when 0.5 then quantile_cont(quartile_band_cells.price_mid_eur, 0.5)
            when 0.75 then quantile_cont(quartile_band_cells.price_mid_eur, 0.75)
            else min(quartile_band_cells.price_mid_eur)
        end as price_eur
    from quartile_ranks
    inner join quartile_band_cells
        on
            quartile_ranks.row_id = quartile_band_cells.row_id
            and quartile_ranks.price_band = quartile_band_cells.price_band
            and quartile_ranks.rank_in_band = quartile_band_cells.rank_in_band
    group by quartile_ranks.row_id, quartile_ranks.quantile, quartile_ranks.fraction
),

row_quartiles as (
    select
        row_id,
        any_value(price_eur) filter (where quantile = 0.5) as median_eur,
        any_value(price_eur) filter (where quantile = 0.25) as p25_eur,
        any_value(price_eur) filter (where quantile = 0.75) as p75_eur
    from quartiles
    group by row_id
),

period_figures as (
    select
        period_stats.*,
        source_counts.n_sources,
        row_quartiles.median_eur,
        row_quartiles.p25_eur,
        row_quartiles.p75_eur
    from period_stats
    inner join row_ids on period_stats.mart_row_key = row_ids.mart_row_key
    left join source_counts on period_stats.mart_row_key = source_counts.mart_row_key
    left join row_quartiles on row_ids.row_id = row_quartiles.row_id
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
