-- What it costs a person to be smuggled, per leg (origin -> destination country, with the
-- places where the source names them), kind of service and observation period, in EUR.
-- Ranges stay ranges: the median is taken over point estimates (a stated price, or the
-- midpoint of a stated range); a bound given alone ("up to 8,000") counts towards the
-- minimum of lows or the maximum of highs, never towards the median.
with prices as (
    select * from stg_price_observations
    where flow = 'people' and unit_kind = 'price'
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
        count(distinct source_key) as n_sources,
        count(price_mid_eur) as n_point_estimates,
        median(price_mid_eur) as median_eur,
        min(coalesce(price_low_eur, price_point_eur)) as min_low_eur,
        max(coalesce(price_high_eur, price_point_eur)) as max_high_eur
    from prices
    group by all
),

final as (
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
        n_obs,
        n_sources,
        n_point_estimates,
        median_eur,
        min_low_eur,
        max_high_eur,
        concat_ws(
            '|',
            coalesce(leg, ''),
            coalesce(origin_place, ''),
            coalesce(destination_place, ''),
            commodity,
            unit,
            coalesce(strftime(period_start, '%Y-%m-%d'), ''),
            coalesce(strftime(period_end, '%Y-%m-%d'), '')
        ) as mart_row_key
    from grouped
)

select * from final
order by leg, origin_place, destination_place, commodity, period_start
