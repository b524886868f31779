-- What the whole journey costs along each corridor (data/reference/corridors.csv: ordered
-- country-to-country legs), per calendar month, quarter and year, in EUR: one row per leg,
-- with the corridor's totals repeated on each. A leg's figures are those of its
-- mart_smuggling_price_trends row (smuggling services, per person, with a median). A price
-- observed for several legs in a row (e.g. BA->SI via Croatia) stands for those legs when none
-- of them has a price of its own, and counts once. The totals add up the legs with data
-- only: coverage says how many legs that is. Package prices observed for the corridor's
-- first origin and last destination stand beside the total, never in it.
with corridor_legs as (
    select
        corridor,
        corridor_name,
        cast(leg_order as integer) as leg_order,
        upper(trim(origin_country)) as origin_country,
        upper(trim(destination_country)) as destination_country
    from ref_corridors
),

trends as (
    select * from mart_smuggling_price_trends
    where unit = 'per_person'
),

corridors as (
    select
        corridor,
        any_value(corridor_name) as corridor_name,
        count(*) as legs_total,
        arg_min(origin_country, leg_order) as journey_origin,
        arg_max(destination_country, leg_order) as journey_destination
    from corridor_legs
    group by corridor
),

spans as (
    -- Every service price from one corridor stop to the same or a later one.
    select
        from_leg.corridor,
        from_leg.leg_order as first_leg,
        to_leg.leg_order as last_leg,
        trends.leg,
        trends.period_grain,
        trends.period_start,
        trends.period_end,
        trends.n_obs,
        trends.median_eur,
        trends.min_low_eur,
        trends.max_high_eur,
        trends.low_confidence,
        trends.mart_row_key
    from trends
    inner join corridor_legs as from_leg on trends.origin_country = from_leg.origin_country
    inner join corridor_legs as to_leg
        on
            from_leg.corridor = to_leg.corridor
            and trends.destination_country = to_leg.destination_country
            and from_leg.leg_order <= to_leg.leg_order
    where trends.commodity = 'smuggling_service' and trends.median_eur is not null
),

single_legs as (
    select * from spans
    where first_leg = last_leg
),

multi_leg_candidates as (
    select spans.* from spans
    anti join single_legs
        on
            spans.corridor = single_legs.corridor
            and spans.period_grain = single_legs.period_grain
            and spans.period_start = single_legs.period_start
            and single_legs.first_leg between spans.first_leg and spans.last_leg
    where spans.first_leg < spans.last_leg
),

multi_legs as (
    -- Of overlapping spans, the longest (then the earliest) stands: no leg counts twice.
    select candidate.* from multi_leg_candidates as candidate
    anti join multi_leg_candidates as rival
        on
            candidate.corridor = rival.corridor
            and candidate.period_grain = rival.period_grain
            and candidate.period_start = rival.period_start
            and candidate.mart_row_key <> rival.mart_row_key
            and candidate.last_leg >= rival.first_leg
            and candidate.first_leg <= rival.last_leg
            and (
                candidate.last_leg - candidate.first_leg < rival.last_leg - rival.first_leg
                or (
                    candidate.last_leg - candidate.first_leg = rival.last_leg - rival.first_leg
                    and candidate.first_leg > rival.first_leg
                )
            )
),

segments as (
    select * from single_legs
    union all
    select * from multi_legs
),

packages as (
    select
        corridors.corridor,
        trends.period_grain,
        trends.period_start,
        trends.period_end,
        trends.n_obs,
        trends.median_eur,
        trends.min_low_eur,
        trends.max_high_eur,
        trends.mart_row_key
    from trends
    inner join corridors
        on
            trends.origin_country = corridors.journey_origin
            and trends.destination_country = corridors.journey_destination
    where trends.commodity = 'smuggling_package'
),

periods as (
    select distinct
        corridor,
        period_grain,
        period_start,
        period_end
    from segments
    union
    select
        corridor,
        period_grain,
        period_start,
        period_end
    from packages
),

gaps as (
    -- Corridor legs that no segment covers in the period: shown, with no figures.
    select
        periods.corridor,
        corridor_legs.leg_order as first_leg,
        corridor_legs.leg_order as last_leg,
        corridor_legs.origin_country || '->' || corridor_legs.destination_country as leg,
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        cast(null as bigint) as n_obs,
        cast(null as double) as median_eur,
        cast(null as double) as min_low_eur,
        cast(null as double) as max_high_eur,
        cast(null as boolean) as low_confidence,
        cast(null as varchar) as mart_row_key
    from periods
    inner join corridor_legs on periods.corridor = corridor_legs.corridor
    anti join segments
        on
            periods.corridor = segments.corridor
            and periods.period_grain = segments.period_grain
            and periods.period_start = segments.period_start
            and corridor_legs.leg_order between segments.first_leg and segments.last_leg
),

rows_per_leg as (
    select * from segments
    union all
    select * from gaps
),

totals as (
    -- Added leg by leg along the route: a sum of doubles depends on its order in the last
    -- bits, and the rows arrive in whatever order DuckDB's threads give them.
    select
        corridor,
        period_grain,
        period_start,
        sum(median_eur order by first_leg) as total_median_eur,
        sum(min_low_eur order by first_leg) as total_low_eur,
        sum(max_high_eur order by first_leg) as total_high_eur,
        cast(
            coalesce(sum(last_leg - first_leg + 1) filter (where median_eur is not null), 0)
            as integer
        ) as legs_with_data
    from rows_per_leg
    group by corridor, period_grain, period_start
),

final as (
    select
        rows_per_leg.corridor,
        corridors.corridor_name,
        rows_per_leg.period_grain,
        rows_per_leg.period_start,
        rows_per_leg.period_end,
        rows_per_leg.first_leg as leg_order,
        rows_per_leg.last_leg - rows_per_leg.first_leg + 1 as legs_spanned,
        rows_per_leg.leg,
        rows_per_leg.n_obs as leg_n_obs,
        rows_per_leg.median_eur as leg_median_eur,
        rows_per_leg.min_low_eur as leg_low_eur,
        rows_per_leg.max_high_eur as leg_high_eur,
        rows_per_leg.low_confidence as leg_low_confidence,
        round(rows_per_leg.median_eur / totals.total_median_eur, 4) as leg_share,
        totals.total_median_eur,
        totals.total_low_eur,
        totals.total_high_eur,
        totals.legs_with_data,
        corridors.legs_total,
        round(totals.legs_with_data / corridors.legs_total, 4) as coverage,
        packages.n_obs as package_n_obs,
        packages.median_eur as package_median_eur,
        packages.min_low_eur as package_low_eur,
        packages.max_high_eur as package_high_eur,
        rows_per_leg.mart_row_key as leg_row_key,
        packages.mart_row_key as package_row_key,
        concat_ws(
            '|',
            rows_per_leg.corridor,
            rows_per_leg.period_grain,
            strftime(rows_per_leg.period_start, '%Y-%m-%d'),
            rows_per_leg.first_leg
        ) as mart_row_key
    from rows_per_leg
    inner join corridors on rows_per_leg.corridor = corridors.corridor
    inner join totals
        on
            rows_per_leg.corridor = totals.corridor
            and rows_per_leg.period_grain = totals.period_grain
            and rows_per_leg.period_start = totals.period_start
    left join packages
        on
            rows_per_leg.corridor = packages.corridor
            and rows_per_leg.period_grain = packages.period_grain
            and rows_per_leg.period_start = packages.period_start
)

select * from final
order by corridor, period_grain, period_start, leg_order
