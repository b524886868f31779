-- Place names in staged price observations that the gazetteer (data/reference/places.csv)
-- could not resolve, one row per name as written, with how often and where it occurs and the
-- closest gazetteer names. Add the name as an alias in places.csv and the next full refresh
-- resolves it. The rows themselves are staged, their place kept as written.
with mentions as (
    select * from int_unresolved_place_mentions
),

final as (
    select
        place_as_written,
        sum(n_rows)::bigint as n_rows,
        list(distinct place_column order by place_column) as place_columns,
        list(distinct row_country order by row_country)
        filter (where row_country is not null) as row_countries,
        list(distinct file_path order by file_path) as file_paths,
        any_value(closest_candidates) as closest_candidates
    from mentions
    group by place_as_written
)

select * from final
order by n_rows desc, place_as_written asc
