-- materialized: incremental
-- Valid route observations (detections, registrations, pushbacks, ...), one row per input
-- row. figure_status keeps revised data-file figures apart from preliminary ones: a row
-- aggregated from a published data file (its quote starts with "file ") is revised; a
-- figure quoted in a press release or article is preliminary.
with valid_routes as (
    select * from ingest.valid_routes_rows
),

final as (
    select
        file_path,
        sheet,
        row_number,
        obs_id,
        metric,
        route_or_leg,
        origin_country,
        destination_country,
        reporting_country,
        period_start,
        period_end,
        period_precision,
        case
            when
                period_start = date_trunc('month', period_start)
                and period_end = last_day(period_start)
                then 'month'
            when
                period_start = date_trunc('year', period_start)
                and period_end = cast(
                    date_trunc('year', period_start) + interval 1 year - interval 1 day as date
                )
                then 'year'
            else 'other'
        end as period_grain,
        value,
        case
            when lower(quote) like 'file %' then 'revised'
            else 'preliminary'
        end as figure_status,
        source_org,
        source_title,
        source_url,
        quote,
        confidence,
        coalesce(source_url, source_title, source_org) as source_key
    from valid_routes
)

select * from final
