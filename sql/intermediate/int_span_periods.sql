-- The calendar of every period span a dated price observation has (its period_start to its
-- period_end, or the one day or period it names): one row for each calendar month, quarter
-- and year the span touches. A 2020-2021 span touches 24 months, 8 quarters and 2 years, and
-- each once, so counting observations in a period counts them, never months. Millions of
-- observations share a few thousand spans: the cells tables join this small table on the
-- span (10M observations: 954 rows, where a row per observation and period made 44M).
with spans as (
    select distinct
        period_start as span_start,
        coalesce(period_end, period_start) as span_end
    from stg_price_observations
    where period_start is not null
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

final as (
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
)

select * from final
