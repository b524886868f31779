-- Deflators to constant euros of the base year 2020 (the Spot Prices fieldwork year), one
-- row per year, from the euro-area HICP annual average index (2015=100) in
-- data/reference/hicp_euro_area.csv: a price of year Y times hicp_deflator is in 2020 euros.
-- Years the table does not cover get no deflator (and no constant-euro price).
with hicp as (
    select
        cast(year as integer) as hicp_year,
        cast(index_2015_100 as double) as hicp_index,
        source_org as hicp_source,
        source_url as hicp_source_url
    from ref_hicp_euro_area
    where upper(trim(geo)) = 'EA' and index_2015_100 is not null
),

base as (
    select
        hicp_year as price_base_year,
        hicp_index as base_index
    from hicp
    where hicp_year = 2020
),

final as (
    select
        hicp.hicp_year,
        hicp.hicp_index,
        base.price_base_year,
        round(base.base_index / hicp.hicp_index, 6) as hicp_deflator,
        hicp.hicp_source,
        hicp.hicp_source_url
    from hicp
    cross join base
)

select * from final
