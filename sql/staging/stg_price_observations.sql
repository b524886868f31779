-- materialized: incremental
-- Valid price observations, one row per input row, with amounts in EUR at the observation
-- period and drug quantities comparable per gram and per kilogram. A money amount in a
-- currency with no rate for its period is not here: it is in quarantine_rows (no_fx_rate).
-- Places are named as the gazetteer names them, so that Subotica, Суботица and a typo of it
-- are one place in every mart; the text as written is kept beside. Free-text notes are never
-- carried past the private raw layer.
with valid_prices as (
    select * from ingest.valid_prices_rows
),

units as (
    select * from ref_units
),

places as (
    select * from ref_places
),

place_names as (
    -- Every gazetteer place by its English name, and every border between two of its
    -- countries (border:HU-RS, the codes sorted) as "Hungary-Serbia border".
    select
        place_id,
        name_en
    from places
    union all
    select
        'border:' || first_country.place_id || '-' || second_country.place_id as place_id,
        first_country.name_en || '-' || second_country.name_en || ' border' as name_en
    from places as first_country
    inner join places as second_country
        on first_country.place_id < second_country.place_id
    where first_country.kind = 'country' and second_country.kind = 'country'
),

period_rates as (
    select * from int_fx_rates_for_periods
),

converted as (
    select
        valid_prices.*,
        units.kind as unit_kind,
        units.grams_per_unit,
        units.kind in ('price', 'markup', 'estimate') as is_money,
        case
            when valid_prices.currency = 'EUR' then 1.0
            else period_rates.rate_per_eur
        end as fx_rate_per_eur,
        case
            when valid_prices.currency = 'EUR' then 'identity'
            else period_rates.rate_kind
        end as fx_rate_kind,
        case
            when valid_prices.currency = 'EUR' then null
            else period_rates.rate_source
        end as fx_rate_source
    from valid_prices
    inner join units on valid_prices.unit = units.unit
    left join period_rates
        on
            valid_prices.currency = period_rates.currency
            and valid_prices.period_start = period_rates.period_start
            and valid_prices.period_end = period_rates.period_end
),

staged as (
    select
        converted.*,
        origin_names.name_en as origin_place_name,
        destination_names.name_en as destination_place_name,
        location_names.name_en as location_place_name
    from converted
    left join place_names as origin_names
        on converted.origin_place_id = origin_names.place_id
    left join place_names as destination_names
        on converted.destination_place_id = destination_names.place_id
    left join place_names as location_names
        on converted.location_place_id = location_names.place_id
    where not converted.is_money or converted.fx_rate_per_eur is not null
),

final as (
    select
        file_path,
        sheet,
        row_number,
        obs_id,
        flow,
        commodity,
        market_level,
        origin_country,
        coalesce(origin_place_name, origin_place) as origin_place,
        destination_country,
        coalesce(destination_place_name, destination_place) as destination_place,
        location_country,
        coalesce(location_place_name, location_place) as location_place,
        origin_place as origin_place_as_written,
        destination_place as destination_place_as_written,
        location_place as location_place_as_written,
        origin_place_id,
        origin_place_match,
        destination_place_id,
        destination_place_match,
        location_place_id,
        location_place_match,
        case
            when origin_country is not null or destination_country is not null
                then coalesce(origin_country, '?') || '->' || coalesce(destination_country, '?')
        end as leg,
        period_start,
        period_end,
        period_precision,
        case
            when price_point is not null then 'point'
            when price_low is not null and price_high is not null then 'range'
            when price_low is not null then 'low_bound_only'
            else 'high_bound_only'
        end as price_form,
        price_low,
        price_high,
        price_point,
        currency,
        unit,
        unit_kind,
        fx_rate_per_eur,
        fx_rate_kind,
        fx_rate_source,
        price_low / fx_rate_per_eur as price_low_eur,
        price_high / fx_rate_per_eur as price_high_eur,
        price_point / fx_rate_per_eur as price_point_eur,
        coalesce(price_point, (price_low + price_high) / 2) / fx_rate_per_eur as price_mid_eur,
        grams_per_unit,
        coalesce(price_low, price_point) / fx_rate_per_eur / grams_per_unit
            as price_low_eur_per_gram,
        coalesce(price_high, price_point) / fx_rate_per_eur / grams_per_unit
            as price_high_eur_per_gram,
        coalesce(price_point, (price_low + price_high) / 2) / fx_rate_per_eur / grams_per_unit
            as price_mid_eur_per_gram,
        source_title,
        source_url,
        quote,
        confidence,
        source_type,
        coalesce(source_url, source_title) as source_key,
        upper(trim(source_reliability)) as source_reliability,
        left(trim(information_credibility), 1) as information_credibility
    from staged
)

select * from final
