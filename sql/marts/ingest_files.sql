-- The manifest: every file seen under data/raw, its content hash, what became of its rows,
-- and the run that last read it. For every file that was read, rows_read = rows_staged +
-- rows_quarantined (reconciles); a run whose counts do not reconcile does not publish.
with manifest as (
    select * from ingest.ingest_files
),

staged as (
    select
        file_path,
        count(*) as n_rows
    from stg_price_observations
    group by file_path
    union all
    select
        file_path,
        count(*) as n_rows
    from stg_route_observations
    group by file_path
),

quarantined as (
    select
        file_path,
        count(*) as n_rows
    from quarantine_rows
    group by file_path
),

final as (
    select
        manifest.file_path,
        manifest.dataset,
        manifest.file_format,
        manifest.content_hash,
        manifest.size_bytes,
        manifest.encoding,
        manifest.layout,
        manifest.status,
        manifest.error,
        manifest.rows_read,
        coalesce(staged.n_rows, 0) as rows_staged,
        coalesce(quarantined.n_rows, 0) as rows_quarantined,
        manifest.status in ('failed', 'deleted')
        or manifest.rows_read = coalesce(staged.n_rows, 0) + coalesce(quarantined.n_rows, 0)
            as reconciles,
        manifest.run_id,
        manifest.ingested_at
    from manifest
    left join staged on manifest.file_path = staged.file_path
    left join quarantined on manifest.file_path = quarantined.file_path
)

select * from final
order by file_path
