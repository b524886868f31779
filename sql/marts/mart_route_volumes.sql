-- How many people are detected, registered, pushed back ... per route or leg, metric and
-- period (month, year or another span), with revised data-file figures and preliminary
-- press figures kept apart (figure_status, source_org). Several rows for the same key from
-- the same source are repeats, not additions: their median is the value, min and max show
-- any disagreement. Registrations of different countries must not be summed along the route.
with routes as (
    select * from stg_route_observations
),

final as (
    select
        route_or_leg,
        metric,
        origin_country,
        destination_country,
        reporting_country,
        period_grain,
        period_start,
        period_end,
        figure_status,
        source_org,
        count(*) as n_obs,
        median(value) as value,
        min(value) as value_min,
        max(value) as value_max,
        concat_ws(
            '|',
            coalesce(route_or_leg, ''),
            coalesce(metric, ''),
            coalesce(origin_country, ''),
            coalesce(destination_country, ''),
            coalesce(reporting_country, ''),
            period_grain,
            coalesce(strftime(period_start, '%Y-%m-%d'), ''),
            coalesce(strftime(period_end, '%Y-%m-%d'), ''),
            figure_status,
            coalesce(source_org, '')
        ) as mart_row_key
    from routes
    group by all
)

select * from final
order by route_or_leg, metric, period_grain, period_start, figure_status, source_org
