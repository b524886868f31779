-- materialized: incremental
-- Every dated price observation once for each calendar month, quarter and year its period
-- touches: a 2020-2021 span counts towards each of its 24 months, 8 quarters and 2 years,
-- and once in each, so counting rows of one period counts observations, never months.
-- Observations with no period_start are not here (they cannot be placed in time).
with prices as (
    select
        file_path,
        sheet,
        row_number,
        period_start,
        coalesce(period_end, period_start) as period_end
    from stg_price_observations
    where period_start is not null
),

spans as (
    -- Millions of observations share a few thousand spans: the calendar is worked out once
    -- per span, then joined to the observations.
    select distinct
        period_start as span_start,
        period_end as span_end
    from prices
),

grains as (
    select
        unnest(['month', 'quarter', 'year']) as period_grain,
        unnest([1, 3, 12]) as period_months
),

months as (
    select
        span_start,
        span_end,
        unnest(
            generate_series(
                date_trunc('month', span_start),
                date_trunc('month', span_end),
                interval 1 month
            )
        ) as month_start
    from spans
),

span_periods as (
    select distinct
        months.span_start,
        months.span_end,
        grains.period_grain,
        grains.period_months,
        cast(date_trunc(grains.period_grain, months.month_start) as date) as period_start,
        cast(
            date_trunc(grains.period_grain, months.month_start)
            + to_months(grains.period_months) - interval 1 day as date
        ) as period_end
    from months
    cross join grains
),

final as (
    select
        prices.file_path,
        prices.sheet,
        prices.row_number,
        span_periods.period_grain,
        span_periods.period_months,
        span_periods.period_start,
        span_periods.period_end
    from prices
    inner join span_periods
        on
            prices.period_start = span_periods.span_start
            and prices.period_end = span_periods.span_end
)

select * from final
