-- Market-size, laundering and other estimates, markups per border and ratios, one row per
-- stated figure with its range and source. Estimates are never averaged with prices, nor
-- with each other: two outlets quoting one report are two rows.
with estimates as (
    select * from stg_price_observations
    where unit_kind in ('estimate', 'markup', 'ratio')
),

final as (
    select
        obs_id,
        flow,
        commodity,
        market_level,
        unit,
        unit_kind,
        origin_country,
        origin_place,
        destination_country,
        destination_place,
        location_country,
        location_place,
        period_start,
        period_end,
        price_form as value_form,
        price_low as value_low,
        price_high as value_high,
        price_point as value_point,
        currency,
        price_low_eur as value_low_eur,
        price_high_eur as value_high_eur,
        price_point_eur as value_point_eur,
        price_mid_eur as value_mid_eur,
        source_title,
        source_url,
        quote,
        confidence,
        source_type,
        file_path,
        sheet,
        row_number,
        concat_ws('|', file_path, sheet, row_number) as mart_row_key
    from estimates
)

select * from final
order by flow, commodity, period_start, obs_id, file_path, sheet, row_number
