-- Provenance: one row per mart row and observation it was computed from. Join a mart on
-- (mart_name, mart_row_key) to reach the observations, then stg_price_observations or
-- stg_route_observations on (file_path, sheet, row_number) for their sources and quotes.
-- A trend row lists the observations of its own period (not those of the rolling window).
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

final as (
    select * from smuggling_price_trends
)

select * from final
order by mart_name, mart_row_key, dataset, file_path, sheet, row_number
