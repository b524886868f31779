-- Exchange rates to the euro, one row per currency and validity window: the sourced
-- reference table (data/reference/fx_rates.csv: pegs, conversion rates, and rates for
-- currencies the ECB does not publish) and the ECB daily reference rates.
with reference_rates as (
    select
        'reference' as rate_origin,
        upper(trim(currency)) as currency,
        cast(period_start as date) as valid_from,
        cast(period_end as date) as valid_to,
        cast(rate_per_eur as double) as rate_per_eur,
        rate_kind,
        source_org as rate_source,
        source_url as rate_source_url
    from ref_fx_rates
),

ecb_rates as (
    select
        'ecb' as rate_origin,
        currency,
        rate_date as valid_from,
        rate_date as valid_to,
        rate_per_eur,
        'ecb_daily' as rate_kind,
        source as rate_source,
        source_url as rate_source_url
    from ref_ecb_rates
),

final as (
    select * from reference_rates
    union all
    select * from ecb_rates
)

select * from final
