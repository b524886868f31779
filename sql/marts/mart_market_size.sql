-- How big the smuggling market is, per route or leg and year, in EUR: the number of people
-- crossing (int_market_volumes: detections or registered arrivals, revised and preliminary
-- figures and each publisher kept apart) times the price per person, with low, mid and high
-- estimates carried through. A leg's price is its yearly price in
-- mart_smuggling_price_trends (min of lows, median, max of highs); a route's price is the
-- whole-journey cost of its corridors in mart_journey_costs (lowest total of lows, median
-- of the corridors' total medians, highest total of highs; price_coverage says how many
-- legs those totals rest on). Frontex counts detections, not people. Published market-size
-- estimates stand beside the model's for the same zone and year (the reference table
-- data/reference/market_zones.csv maps a published zone to a route or leg), and each
-- published estimate is also a row of its own (basis published_estimate).
with volumes as (
    select * from int_market_volumes
),

zones as (
    select
        lower(trim(published_zone)) as published_zone,
        route_or_leg
    from ref_market_zones
),

corridor_routes as (
    select distinct
        corridor,
        volume_route
    from ref_corridors
),

leg_prices as (
    select
        leg as market_zone,
        year(period_start) as period_year,
        min_low_eur as price_low_eur,
        median_eur as price_mid_eur,
        max_high_eur as price_high_eur,
        cast(null as double) as price_coverage,
        [mart_row_key] as price_row_keys
    from mart_smuggling_price_trends
    where
        period_grain = 'year'
        and commodity = 'smuggling_service'
        and unit = 'per_person'
        and median_eur is not null
),

corridor_totals as (
    select distinct
        corridor_routes.volume_route,
        journeys.corridor,
        year(journeys.period_start) as period_year,
        journeys.total_low_eur,
        journeys.total_median_eur,
        journeys.total_high_eur,
        journeys.coverage
    from mart_journey_costs as journeys
    inner join corridor_routes on journeys.corridor = corridor_routes.corridor
    where journeys.period_grain = 'year' and journeys.legs_with_data > 0
),

corridor_price_keys as (
    select
        corridor_routes.volume_route,
        year(journeys.period_start) as period_year,
        list(distinct journeys.leg_row_key order by journeys.leg_row_key) as price_row_keys
    from mart_journey_costs as journeys
    inner join corridor_routes on journeys.corridor = corridor_routes.corridor
    where journeys.period_grain = 'year' and journeys.leg_row_key is not null
    group by corridor_routes.volume_route, year(journeys.period_start)
),

route_prices as (
    select
        corridor_totals.volume_route as market_zone,
        corridor_totals.period_year,
        min(corridor_totals.total_low_eur) as price_low_eur,
        median(corridor_totals.total_median_eur) as price_mid_eur,
        max(corridor_totals.total_high_eur) as price_high_eur,
        min(corridor_totals.coverage) as price_coverage,
        any_value(corridor_price_keys.price_row_keys) as price_row_keys
    from corridor_totals
    inner join corridor_price_keys
        on
            corridor_totals.volume_route = corridor_price_keys.volume_route
            and corridor_totals.period_year = corridor_price_keys.period_year
    group by corridor_totals.volume_route, corridor_totals.period_year
),

prices as (
    select
        *,
        'leg_price' as price_basis
    from leg_prices
    union all
    select
        *,
        'corridor_journey_costs' as price_basis
    from route_prices
),

published as (
    select
        coalesce(estimates.location_place, estimates.location_country) as market_zone,
        zones.route_or_leg,
        year(estimates.period_start) as period_year,
        coalesce(estimates.price_low_eur, estimates.price_point_eur) as value_low_eur,
        estimates.price_mid_eur as value_mid_eur,
        coalesce(estimates.price_high_eur, estimates.price_point_eur) as value_high_eur,
        estimates.file_path,
        estimates.sheet,
        estimates.row_number,
        estimates.obs_id,
        concat_ws(
            '|', 'published_estimate', estimates.file_path, estimates.sheet, estimates.row_number
        ) as published_row_key
    from stg_price_observations as estimates
    left join zones
        on
            lower(trim(coalesce(estimates.location_place, estimates.location_country)))
            = zones.published_zone
    where
        estimates.flow = 'money'
        and estimates.unit_kind = 'estimate'
        and estimates.commodity = 'migrant_smuggling_market'
        and year(estimates.period_start) = year(estimates.period_end)
),

published_by_zone as (
    select
        route_or_leg,
        period_year,
        count(*) as published_n,
        min(value_low_eur) as published_low_eur,
        median(value_mid_eur) as published_mid_eur,
        max(value_high_eur) as published_high_eur,
        list(published_row_key order by published_row_key) as published_row_keys
    from published
    where route_or_leg is not null
    group by route_or_leg, period_year
),

volume_figures as (
    select
        market_zone,
        zone_kind,
        period_year,
        metric,
        figure_status,
        source_org,
        count(*) as volume_n_obs,
        median(value) as volume
    from volumes
    group by all
),

modelled as (
    select
        'volume_times_price' as basis,
        volume_figures.market_zone,
        volume_figures.zone_kind,
        volume_figures.period_year,
        volume_figures.metric,
        volume_figures.figure_status,
        volume_figures.source_org as volume_source_org,
        volume_figures.volume_n_obs,
        volume_figures.volume,
        prices.price_basis,
        prices.price_low_eur,
        prices.price_mid_eur,
        prices.price_high_eur,
        prices.price_coverage,
        volume_figures.volume * prices.price_low_eur as market_low_eur,
        volume_figures.volume * prices.price_mid_eur as market_mid_eur,
        volume_figures.volume * prices.price_high_eur as market_high_eur,
        published_by_zone.published_n,
        published_by_zone.published_low_eur,
        published_by_zone.published_mid_eur,
        published_by_zone.published_high_eur,
        prices.price_row_keys,
        published_by_zone.published_row_keys,
        concat_ws(
            '|',
            'volume_times_price',
            volume_figures.market_zone,
            volume_figures.period_year,
            volume_figures.metric,
            volume_figures.figure_status,
            volume_figures.source_org
        ) as mart_row_key
    from volume_figures
    inner join prices
        on
            volume_figures.market_zone = prices.market_zone
            and volume_figures.period_year = prices.period_year
    left join published_by_zone
        on
            volume_figures.market_zone = published_by_zone.route_or_leg
            and volume_figures.period_year = published_by_zone.period_year
),

published_rows as (
    select
        'published_estimate' as basis,
        market_zone,
        'published_zone' as zone_kind,
        period_year,
        cast(null as varchar) as metric,
        cast(null as varchar) as figure_status,
        cast(null as varchar) as volume_source_org,
        cast(null as bigint) as volume_n_obs,
        cast(null as double) as volume,
        cast(null as varchar) as price_basis,
        cast(null as double) as price_low_eur,
        cast(null as double) as price_mid_eur,
        cast(null as double) as price_high_eur,
        cast(null as double) as price_coverage,
        value_low_eur as market_low_eur,
        value_mid_eur as market_mid_eur,
        value_high_eur as market_high_eur,
        cast(null as bigint) as published_n,
        cast(null as double) as published_low_eur,
        cast(null as double) as published_mid_eur,
        cast(null as double) as published_high_eur,
        cast(null as varchar[]) as price_row_keys,
        [published_row_key] as published_row_keys,
        published_row_key as mart_row_key
    from published
),

final as (
    select * from modelled
    union all
    select * from published_rows
)

select * from final
order by period_year, basis, market_zone, metric, figure_status, volume_source_org
