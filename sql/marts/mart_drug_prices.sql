-- What drugs cost, per drug, market level, country (and place where known) and period, in
-- EUR: per gram at retail, per kilogram at wholesale, whatever unit the source used.
with drug_prices as (
    select
        *,
        case when market_level = 'wholesale' then 'per_kg' else 'per_gram' end as price_unit,
        case when market_level = 'wholesale' then 1000.0 else 1.0 end as grams_per_price_unit
    from stg_price_observations
    where flow = 'drugs' and unit_kind = 'price' and grams_per_unit is not null
),

grouped as (
    -- The row key is made once per row here, not once per observation before grouping.
    select
        commodity as drug,
        market_level,
        location_country as country,
        location_place as place,
        period_start,
        period_end,
        price_unit,
        count(*) as n_obs,
        count(distinct source_key) as n_sources,
        count(*) filter (where lower(source_type) = 'synthetic') as n_synthetic,
        median(price_mid_eur_per_gram * grams_per_price_unit) as median_eur,
        min(price_low_eur_per_gram * grams_per_price_unit) as min_eur,
        max(price_high_eur_per_gram * grams_per_price_unit) as max_eur
    from drug_prices
    group by all
),

final as (
    select
        drug,
        market_level,
        country,
        place,
        period_start,
        period_end,
        price_unit,
        n_obs,
        n_sources,
        n_synthetic,
        median_eur,
        min_eur,
        max_eur,
        concat_ws(
            '|',
            drug,
            coalesce(market_level, ''),
            coalesce(country, ''),
            coalesce(place, ''),
            coalesce(strftime(period_start, '%Y-%m-%d'), ''),
            coalesce(strftime(period_end, '%Y-%m-%d'), ''),
            price_unit
        ) as mart_row_key
    from grouped
)

select * from final
order by drug, market_level, country, place, period_start
