-- What it costs a person to be smuggled, per leg (origin -> destination country, with the
-- places where the source names them), kind of service and observation period, in EUR.
-- Ranges stay ranges: the median is taken over point estimates (a stated price, or the
-- midpoint of a stated range); a bound given alone ("up to 8,000") counts towards the
-- minimum of lows or the maximum of highs, never towards the median.
with prices as (
    select * from stg_price_observations
    where flow = 'people' and unit_kind = 'price'
),

row_sources as (
    select * from int_smuggling_price_row_sources
),

grouped as (
    -- The row key is made once per row here, not once per observation before grouping.
    select
        leg,
        origin_country,
        origin_place,
        destination_country,
        destination_place,
        commodity,
        unit,
        period_start,
        period_end,
        count(*) as n_obs,
        count(*) filter (where lower(source_type) = 'synthetic') as n_synthetic,
        count(price_mid_eur) as n_point_estimates,
        median(price_mid_eur) as median_eur,
        min(coalesce(price_low_eur, price_point_eur)) as min_low_eur,
        max(coalesce(price_high_eur, price_point_eur)) as max_high_eur
    from prices
    group by all
),

source_counts as (
    -- Per mart row (the grain the table of sources is kept at), its distinct sources.
    select
        * exclude (file_path, source_key),
        count(distinct source_key) as n_sources
    from row_sources
    group by all
),

final as (
    select
        grouped.leg,
        grouped.origin_country,
        grouped.origin_place,
        grouped.destination_country,
        grouped.destination_place,
        grouped.commodity,
        grouped.unit,
        grouped.period_start,
        grouped.period_end,
        grouped.n_obs,
        source_counts.n_sources,
        grouped.n_synthetic,
        grouped.n_point_estimates,
        grouped.median_eur,
        grouped.min_low_eur,
        grouped.max_high_eur,
        concat_ws(
            '|',
            coalesce(grouped.leg, ''),
            coalesce(grouped.origin_place, ''),
            coalesce(grouped.destination_place, ''),
            grouped.commodity,
            grouped.unit,
            coalesce(strftime(grouped.period_start, '%Y-%m-%d'), ''),
            coalesce(strftime(grouped.period_end, '%Y-%m-%d'), '')
        ) as mart_row_key
    from grouped
    left join source_counts
        on
            grouped.leg is not distinct from source_counts.leg
            and grouped.origin_place is not distinct from source_counts.origin_place
            and grouped.destination_place is not distinct from source_counts.destination_place
            and grouped.commodity is not distinct from source_counts.commodity
            and grouped.unit is not distinct from source_counts.unit
            and grouped.period_start is not distinct from source_counts.period_start
            and grouped.period_end is not distinct from source_counts.period_end
)

select * from final
order by leg, origin_place, destination_place, commodity, period_start
