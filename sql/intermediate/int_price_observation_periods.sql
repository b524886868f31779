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

grains as (
    select
        unnest(['month', 'quarter', 'year']) as period_grain,
        unnest([1, 3, 12]) as period_months
),

months as (
    select
        file_path,
        sheet,
        row_number,
        unnest(
            generate_series(
                date_trunc('month', period_start),
                date_trunc('month', period_end),
                interval 1 month
            )
        ) as month_start
    from prices
),

final as (
    select distinct
        months.file_path,
        months.sheet,
        months.row_number,
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
