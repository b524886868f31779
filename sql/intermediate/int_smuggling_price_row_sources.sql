-- materialized: incremental
-- The sources behind each mart_smuggling_prices row, once per raw file: the mart counts a
-- row's distinct sources from these (at most one per source, row and file) instead of from
-- every observation, so a run that adds a file does not count them all again.
with prices as (
    select * from stg_price_observations
    where flow = 'people' and unit_kind = 'price'
),

final as (
    select distinct
        file_path,
        leg,
        origin_country,
        origin_place,
        destination_country,
        destination_place,
        commodity,
        unit,
        period_start,
        period_end,
        source_key
    from prices
)

select * from final
