-- Provenance: one row per mart row and observation it was computed from. Join a mart on
-- (mart_name, mart_row_key) to reach the observations, then stg_price_observations or
-- stg_route_observations on (file_path, sheet, row_number) for their sources and quotes.
-- A trend row lists the observations of its own period (not those of the rolling window);
-- a journey row those of every leg of its corridor and period, and the package prices.
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

journey_costs as (
    -- Every row shows the corridor's totals, so it leads to every leg price of its corridor
    -- and period, and to the package prices beside them.
    select distinct
        'mart_journey_costs' as mart_name,
        journey.mart_row_key,
        'prices' as dataset,
        cells.file_path,
        cells.sheet,
        cells.row_number,
        cells.obs_id
    from mart_journey_costs as journey
    inner join mart_journey_costs as same_journey
        on
            journey.corridor = same_journey.corridor
            and journey.period_grain = same_journey.period_grain
            and journey.period_start = same_journey.period_start
    inner join int_smuggling_price_cells as cells
        on cells.mart_row_key in (same_journey.leg_row_key, journey.package_row_key)
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

drug_price_gradients as (
    select distinct
        'mart_drug_price_gradients' as mart_name,
        gradients.mart_row_key,
        'prices' as dataset,
        cells.file_path,
        cells.sheet,
        cells.row_number,
        cells.obs_id
    from mart_drug_price_gradients as gradients
    inner join int_drug_price_cells as cells
        on
            gradients.drug = cells.drug
            and gradients.market_level = cells.market_level
            and gradients.period_grain = cells.period_grain
            and gradients.period_start = cells.period_start
            and list_contains(string_split(gradients.countries, '->'), cells.country)
    where gradients.basis = 'observed_prices'
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

market_prices as (
    select distinct
        'mart_market_size' as mart_name,
        market.mart_row_key,
        'prices' as dataset,
        cells.file_path,
        cells.sheet,
        cells.row_number,
        cells.obs_id
    from mart_market_size as market
    inner join int_smuggling_price_cells as cells
        on list_contains(market.price_row_keys, cells.mart_row_key)
),

market_published as (
    select distinct
        'mart_market_size' as mart_name,
        market.mart_row_key,
        'prices' as dataset,
        estimates.file_path,
        estimates.sheet,
        estimates.row_number,
        estimates.obs_id
    from mart_market_size as market
    inner join stg_price_observations as estimates
        on
            list_contains(
                market.published_row_keys,
                concat_ws(
                    '|',
                    'published_estimate',
                    estimates.file_path,
                    estimates.sheet,
                    estimates.row_number
                )
            )
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
)

select * from final
order by mart_name, mart_row_key, dataset, file_path, sheet, row_number
