-- materialized: incremental
-- Published per-border markups of drug prices (unit_kind markup, e.g. heroin gaining about
-- EUR 2,000 per kg at each border), one row per observation and calendar period it covers;
-- a markup with no period is kept once with period_grain undated. Amounts are in EUR per kg
-- at wholesale and per gram at retail, as in the drug price marts.
with markups as (
    select
        *,
        case when market_level = 'retail' then 'per_gram' else 'per_kg' end as price_unit,
        case when market_level = 'retail' then 1.0 else 1000.0 end as grams_per_price_unit
    from stg_price_observations
    where flow = 'drugs' and unit_kind = 'markup' and grams_per_unit is not null
),

periods as (
    select * from int_span_periods
),

placed as (
    select
        markups.*,
        coalesce(periods.period_grain, 'undated') as period_grain,
        periods.period_start as bucket_start,
        periods.period_end as bucket_end
    from markups
    left join periods
        on
            markups.period_start = periods.span_start
            and coalesce(markups.period_end, markups.period_start) = periods.span_end
),

final as (
    select
        concat_ws(
            '|',
            commodity,
            market_level,
            'published_markup',
            period_grain,
            strftime(bucket_start, '%Y-%m-%d')
        ) as mart_row_key,
        commodity as drug,
        market_level,
        price_unit,
        period_grain,
        bucket_start as period_start,
        bucket_end as period_end,
        file_path,
        sheet,
        row_number,
        obs_id,
        source_key,
        price_low_eur_per_gram * grams_per_price_unit as markup_low_eur,
        price_high_eur_per_gram * grams_per_price_unit as markup_high_eur,
        price_mid_eur_per_gram * grams_per_price_unit as markup_mid_eur
    from placed
)

select * from final
