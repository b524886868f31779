-- materialized: incremental
-- Route observations that count people crossing (detections of irregular crossings,
-- registered arrivals) for a whole route or for exactly one country-to-country leg (XX->YY
-- with no qualifier: a county section or a mixed leg such as RS/BA->HR is not the leg), one
-- row per observation of a whole calendar year (monthly figures are not added up into years).
-- Nationality breakdowns (origin_country given on a route total), pushbacks, attempts, asylum
-- figures and cumulative series are not here, and registrations of different countries are
-- never added up along the route.
with routes as (
    select * from stg_route_observations
    where
        metric in ('detections_irregular_crossings', 'registered_arrivals')
        and period_grain = 'year'
),

corridor_routes as (
    select distinct volume_route from ref_corridors
),

final as (
    select
        routes.route_or_leg as market_zone,
        case
            when corridor_routes.volume_route is not null then 'route' else 'leg'
        end as zone_kind,
        year(routes.period_start) as period_year,
        routes.metric,
        routes.figure_status,
        routes.source_org,
        routes.value,
        routes.file_path,
        routes.sheet,
        routes.row_number,
        routes.obs_id
    from routes
    left join corridor_routes on routes.route_or_leg = corridor_routes.volume_route
    where
        routes.origin_country is null
        and (
            corridor_routes.volume_route is not null
            or regexp_full_match(routes.route_or_leg, '[A-Z]{2}->[A-Z]{2}')
        )
)

select * from final
