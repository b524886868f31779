-- Place names in staged price observations that the gazetteer (data/reference/places.csv)
-- could not resolve, one row per name as written, with how often and where it occurs and the
-- closest gazetteer names. Add the name as an alias in places.csv and the next full refresh
-- resolves it. The rows themselves are staged, their place kept as written.
with valid_prices as (
    select * from ingest.valid_prices_rows
),

place_mentions as (
    select
        file_path,
        'origin_place' as place_column,
        origin_place as place_as_written,
        origin_country as row_country,
        origin_place_candidates as closest_candidates
    from valid_prices
    where origin_place_match = 'unresolved'
    union all
    select
        file_path,
        'destination_place' as place_column,
        destination_place as place_as_written,
        destination_country as row_country,
        destination_place_candidates as closest_candidates
    from valid_prices
    where destination_place_match = 'unresolved'
    union all
    select
        file_path,
        'location_place' as place_column,
        location_place as place_as_written,
        location_country as row_country,
        location_place_candidates as closest_candidates
    from valid_prices
    where location_place_match = 'unresolved'
),

final as (
    select
        place_as_written,
        count(*) as n_rows,
        list(distinct place_column order by place_column) as place_columns,
        list(distinct row_country order by row_country)
        filter (where row_country is not null) as row_countries,
        list(distinct file_path order by file_path) as file_paths,
        any_value(closest_candidates) as closest_candidates
    from place_mentions
    group by place_as_written
)

select * from final
order by n_rows desc, place_as_written asc
