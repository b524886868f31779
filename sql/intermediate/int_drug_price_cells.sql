-- materialized: incremental
-- Drug prices, one row per observation and calendar period it covers (month, quarter,
-- year), in EUR per gram at retail and per kilogram at wholesale whatever unit the source
-- used, with the key of the mart_drug_price_trends row it feeds and its source weight.
with prices as (
    select
        *,
        case when market_level = 'wholesale' then 'per_kg' else 'per_gram' end as price_unit,
        case when market_level = 'wholesale' then 1000.0 else 1.0 end as grams_per_price_unit,
        -- The band of the point estimate per gram (in the same order as per kg): two
        -- significant digits (90 bands per power of ten). Each piece divides by a constant
        -- and the pieces follow each other, so a band never orders two prices differently
        -- than the prices do; the trend mart sums weights per band and sorts only the
        -- prices of the band it needs.
        case
            when price_mid_eur_per_gram < 1 then floor(price_mid_eur_per_gram * 100)
            when price_mid_eur_per_gram < 10 then 100 + floor(price_mid_eur_per_gram * 10)
            when price_mid_eur_per_gram < 100 then 200 + floor(price_mid_eur_per_gram)
            when price_mid_eur_per_gram < 1000 then 300 + floor(price_mid_eur_per_gram / 10)
            when price_mid_eur_per_gram < 10000 then 400 + floor(price_mid_eur_per_gram / 100)
            when price_mid_eur_per_gram < 100000 then 500 + floor(price_mid_eur_per_gram / 1000)
            else 600 + floor(price_mid_eur_per_gram / 10000)
        end as price_band
    from stg_price_observations
    where flow = 'drugs' and unit_kind = 'price' and grams_per_unit is not null
),

periods as (
    select * from int_span_periods
),

weights as (
    select * from int_source_weights
),

final as (
    select
        concat_ws(
            '|',
            prices.commodity,
            prices.market_level,
            coalesce(prices.location_country, ''),
            coalesce(prices.location_place, ''),
            periods.period_grain,
            strftime(periods.period_start, '%Y-%m-%d')
        ) as mart_row_key,
        prices.commodity as drug,
        prices.market_level,
        prices.location_country as country,
        prices.location_place as place,
        prices.price_unit,
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        prices.file_path,
        prices.sheet,
        prices.row_number,
        prices.obs_id,
        prices.source_key,
        prices.price_low_eur_per_gram * prices.grams_per_price_unit as price_low_eur,
        prices.price_high_eur_per_gram * prices.grams_per_price_unit as price_high_eur,
        prices.price_mid_eur_per_gram * prices.grams_per_price_unit as price_mid_eur,
        prices.price_band,
        weights.source_weight
    from prices
    inner join periods
        on
            prices.period_start = periods.span_start
            and coalesce(prices.period_end, prices.period_start) = periods.span_end
    inner join weights
        on
            prices.confidence is not distinct from weights.confidence
            and prices.source_reliability is not distinct from weights.source_reliability
            and prices.information_credibility is not distinct from weights.information_credibility
)

select * from final
