-- materialized: view
-- Provenance: one row per mart row and observation it was computed from, for every mart; a
-- view, computed when queried (filter on mart_name and mart_row_key to keep it quick).
-- Join a mart on (mart_name, mart_row_key) to reach the observations, then
-- stg_price_observations or stg_route_observations on (file_path, sheet, row_number) for
-- their sources and quotes. A trend row lists the observations of its own period (not those
-- of the rolling window). A journey row lists those of its leg's price and of the package
-- price beside it; its corridor totals are the sum of the leg rows of the same corridor and
-- period, each of which leads to its own (a leg with no price leads nowhere).
with smuggling_price_trends as (
    select distinct
        'mart_smuggling_price_trends' as mart_name,
        mart_row_key,
        'prices' as dataset,
        file_path,
        sheet,
        row_number,
        obs_id
    from int_smuggling_price_cells
),

journey_trend_keys as (
    select distinct
        mart_row_key,
        unnest([leg_row_key, package_row_key]) as trend_row_key
    from mart_journey_costs
),

journey_costs as (
    select distinct
        'mart_journey_costs' as mart_name,
        journey_trend_keys.mart_row_key,
        'prices' as dataset,
        cells.file_path,
        cells.sheet,
        cells.row_number,
        cells.obs_id
    from journey_trend_keys
    inner join int_smuggling_price_cells as cells
        on journey_trend_keys.trend_row_key = cells.mart_row_key
),

drug_price_trends as (
    select distinct
        'mart_drug_price_trends' as mart_name,
        mart_row_key,
        'prices' as dataset,
        file_path,
        sheet,
        row_number,
        obs_id
    from int_drug_price_cells
),

gradient_countries as (
    select
        mart_row_key,
        drug,
        market_level,
        period_grain,
        period_start,
        unnest(string_split(countries, '->')) as country
    from mart_drug_price_gradients
    where basis = 'observed_prices'
),

drug_price_gradients as (
    select distinct
        'mart_drug_price_gradients' as mart_name,
        gradient_countries.mart_row_key,
        'prices' as dataset,
        cells.file_path,
        cells.sheet,
        cells.row_number,
        cells.obs_id
    from gradient_countries
    inner join int_drug_price_cells as cells
        on
            gradient_countries.drug = cells.drug
            and gradient_countries.market_level = cells.market_level
            and gradient_countries.period_grain = cells.period_grain
            and gradient_countries.period_start = cells.period_start
            and gradient_countries.country = cells.country
    where cells.price_mid_eur is not null
    union all
    select distinct
        'mart_drug_price_gradients' as mart_name,
        mart_row_key,
        'prices' as dataset,
        file_path,
        sheet,
        row_number,
        obs_id
    from int_drug_markup_cells
),

money_flows as (
    select
        'mart_money_flows' as mart_name,
        mart_row_key,
        'prices' as dataset,
        file_path,
        sheet,
        row_number,
        obs_id
    from mart_money_flows
),

market_volumes as (
    select distinct
        'mart_market_size' as mart_name,
        market.mart_row_key,
        'routes' as dataset,
        volumes.file_path,
        volumes.sheet,
        volumes.row_number,
        volumes.obs_id
    from mart_market_size as market
    inner join int_market_volumes as volumes
        on
            market.market_zone = volumes.market_zone
            and market.period_year = volumes.period_year
            and market.metric = volumes.metric
            and market.figure_status = volumes.figure_status
            and market.volume_source_org = volumes.source_org
    where market.basis = 'volume_times_price'
),

market_price_keys as (
    select
        mart_row_key,
        unnest(price_row_keys) as trend_row_key
    from mart_market_size
),

market_prices as (
    select distinct
        'mart_market_size' as mart_name,
        market_price_keys.mart_row_key,
        'prices' as dataset,
        cells.file_path,
        cells.sheet,
        cells.row_number,
        cells.obs_id
    from market_price_keys
    inner join int_smuggling_price_cells as cells
        on market_price_keys.trend_row_key = cells.mart_row_key
),

market_published_keys as (
    select
        mart_row_key,
        unnest(published_row_keys) as published_row_key
    from mart_market_size
),

market_published as (
    select distinct
        'mart_market_size' as mart_name,
        market_published_keys.mart_row_key,
        'prices' as dataset,
        estimates.file_path,
        estimates.sheet,
        estimates.row_number,
        estimates.obs_id
    from market_published_keys
    inner join stg_price_observations as estimates
        on
            market_published_keys.published_row_key
            = concat_ws(
                '|',
                'published_estimate',
                estimates.file_path,
                estimates.sheet,
                estimates.row_number
            )
),

smuggling_prices as (
    select
        'mart_smuggling_prices' as mart_name,
        mart.mart_row_key,
        'prices' as dataset,
        observations.file_path,
        observations.sheet,
        observations.row_number,
        observations.obs_id
    from mart_smuggling_prices as mart
    inner join stg_price_observations as observations
        on
            mart.leg is not distinct from observations.leg
            and mart.origin_country is not distinct from observations.origin_country
            and mart.origin_place is not distinct from observations.origin_place
            and mart.destination_country is not distinct from observations.destination_country
            and mart.destination_place is not distinct from observations.destination_place
            and mart.commodity = observations.commodity
            and mart.unit = observations.unit
            and mart.period_start is not distinct from observations.period_start
            and mart.period_end is not distinct from observations.period_end
    where observations.flow = 'people' and observations.unit_kind = 'price'
),

drug_prices as (
    select
        'mart_drug_prices' as mart_name,
        mart.mart_row_key,
        'prices' as dataset,
        observations.file_path,
        observations.sheet,
        observations.row_number,
        observations.obs_id
    from mart_drug_prices as mart
    inner join stg_price_observations as observations
        on
            mart.drug = observations.commodity
            and mart.market_level is not distinct from observations.market_level
            and mart.country is not distinct from observations.location_country
            and mart.place is not distinct from observations.location_place
            and mart.period_start is not distinct from observations.period_start
            and mart.period_end is not distinct from observations.period_end
            and mart.price_unit
            = case when observations.market_level = 'wholesale' then 'per_kg' else 'per_gram' end
    where
        observations.flow = 'drugs'
        and observations.unit_kind = 'price'
        and observations.grams_per_unit is not null
),

estimates as (
    select
        'mart_estimates' as mart_name,
        concat_ws('|', file_path, sheet, row_number) as mart_row_key,
        'prices' as dataset,
        file_path,
        sheet,
        row_number,
        obs_id
    from stg_price_observations
    where unit_kind in ('estimate', 'markup', 'ratio')
),

route_volumes as (
    select
        'mart_route_volumes' as mart_name,
        mart.mart_row_key,
        'routes' as dataset,
        observations.file_path,
        observations.sheet,
        observations.row_number,
        observations.obs_id
    from mart_route_volumes as mart
    inner join stg_route_observations as observations
        on
            mart.route_or_leg is not distinct from observations.route_or_leg
            and mart.metric is not distinct from observations.metric
            and mart.origin_country is not distinct from observations.origin_country
            and mart.destination_country is not distinct from observations.destination_country
            and mart.reporting_country is not distinct from observations.reporting_country
            and mart.period_grain = observations.period_grain
            and mart.period_start is not distinct from observations.period_start
            and mart.period_end is not distinct from observations.period_end
            and mart.figure_status = observations.figure_status
            and mart.source_org is not distinct from observations.source_org
),

final as (
    select * from smuggling_price_trends
    union all
    select * from journey_costs
    union all
    select * from drug_price_trends
    union all
    select * from drug_price_gradients
    union all
    select * from money_flows
    union all
    select * from market_volumes
    union all
    select * from market_prices
    union all
    select * from market_published
    union all
    select * from smuggling_prices
    union all
    select * from drug_prices
    union all
    select * from estimates
    union all
    select * from route_volumes
)

select * from final
order by mart_name, mart_row_key, dataset, file_path, sheet, row_number
