-- materialized: incremental
-- The place names of each raw file's staged price observations that the gazetteer could not
-- resolve, counted per name as written, place column and country: unresolved_places adds
-- them up, so a run that adds a file counts only that file's names.
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
        file_path,
        place_as_written,
        place_column,
        row_country,
        count(*) as n_rows,
        any_value(closest_candidates) as closest_candidates
    from place_mentions
    group by file_path, place_as_written, place_column, row_country
)

select * from final
