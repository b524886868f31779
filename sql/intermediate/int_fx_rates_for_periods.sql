-- One rate per currency and observation period, chosen once per distinct period so that
-- millions of rows share a handful of look-ups. Order of preference:
--   1. a reference rate whose window covers the whole period (narrowest window first);
--   2. the mean of the ECB daily fixings inside the period;
--   3. for a period with no fixing (a weekend or holiday), the last fixing up to 4 days before.
-- A period that none of these covers gets no row, and its prices are quarantined (no_fx_rate).
with periods as (
    select distinct
        currency,
        period_start,
        period_end
    from ingest.valid_prices_rows
    where
        currency is not null
        and currency <> 'EUR'
        and period_start is not null
),

reference_rates as (
    select * from int_fx_rates
    where rate_origin = 'reference'
),

ecb_rates as (
    select * from int_fx_rates
    where rate_origin = 'ecb'
),

reference_match as (
    select
        periods.currency,
        periods.period_start,
        periods.period_end,
        reference_rates.rate_per_eur,
        reference_rates.rate_kind,
        reference_rates.rate_source,
        reference_rates.rate_source_url,
        row_number() over (
            partition by periods.currency, periods.period_start, periods.period_end
            order by
                coalesce(reference_rates.valid_to, date '9999-12-31')
                - reference_rates.valid_from,
                reference_rates.valid_from desc
        ) as preference
    from periods
    inner join reference_rates
        on
            periods.currency = reference_rates.currency
            and periods.period_start >= reference_rates.valid_from
            and coalesce(reference_rates.valid_to, date '9999-12-31') >= periods.period_end
),

ecb_period_mean as (
    select
        periods.currency,
        periods.period_start,
        periods.period_end,
        -- Rounded: a parallel sum adds in any order, and the marts must be reproducible.
        round(avg(ecb_rates.rate_per_eur), 6) as rate_per_eur,
        any_value(ecb_rates.rate_source) as rate_source,
        any_value(ecb_rates.rate_source_url) as rate_source_url
    from periods
    inner join ecb_rates
        on
            periods.currency = ecb_rates.currency
            and ecb_rates.valid_from between periods.period_start and periods.period_end
    group by periods.currency, periods.period_start, periods.period_end
),

ecb_last_fixing as (
    select
        periods.currency,
        periods.period_start,
        periods.period_end,
        ecb_rates.rate_per_eur,
        ecb_rates.rate_source,
        ecb_rates.rate_source_url
    from periods
    asof inner join ecb_rates
        on
            periods.currency = ecb_rates.currency
            and periods.period_start >= ecb_rates.valid_from
    where periods.period_start - ecb_rates.valid_from <= 4
),

final as (
    select
        periods.currency,
        periods.period_start,
        periods.period_end,
        coalesce(
            reference_match.rate_per_eur,
            ecb_period_mean.rate_per_eur,
            ecb_last_fixing.rate_per_eur
        ) as rate_per_eur,
        case
            when reference_match.rate_per_eur is not null then reference_match.rate_kind
            when ecb_period_mean.rate_per_eur is not null then 'ecb_period_mean'
            when ecb_last_fixing.rate_per_eur is not null then 'ecb_last_fixing'
        end as rate_kind,
        coalesce(
            reference_match.rate_source,
            ecb_period_mean.rate_source,
            ecb_last_fixing.rate_source
        ) as rate_source,
        coalesce(
            reference_match.rate_source_url,
            ecb_period_mean.rate_source_url,
            ecb_last_fixing.rate_source_url
        ) as rate_source_url
    from periods
    left join reference_match
        on
            periods.currency = reference_match.currency
            and periods.period_start = reference_match.period_start
            and periods.period_end = reference_match.period_end
            and reference_match.preference = 1
    left join ecb_period_mean
        on
            periods.currency = ecb_period_mean.currency
            and periods.period_start = ecb_period_mean.period_start
            and periods.period_end = ecb_period_mean.period_end
    left join ecb_last_fixing
        on
            periods.currency = ecb_last_fixing.currency
            and periods.period_start = ecb_last_fixing.period_start
            and periods.period_end = ecb_last_fixing.period_end
)

select * from final
where rate_per_eur is not null
