-- Global Organized Crime Index (GI-TOC) scores per country and edition, one column per
-- indicator (scale 1-10). The 2023 edition changed the method, so changes between editions
-- are not strictly like for like; Kosovo is not scored.
with scores as (
    select * from ref_oc_index_scores
),

final as (
    select
        country_iso2 as country,
        any_value(country_name) as country_name,
        cast(edition as integer) as edition,
        max(score) filter (where indicator = 'criminality') as criminality,
        max(score) filter (where indicator = 'resilience') as resilience,
        max(score) filter (where indicator = 'criminal_markets') as criminal_markets,
        max(score) filter (where indicator = 'criminal_actors') as criminal_actors,
        max(score) filter (where indicator = 'human_trafficking') as human_trafficking,
        max(score) filter (where indicator = 'human_smuggling') as human_smuggling,
        max(score) filter (where indicator = 'arms_trafficking') as arms_trafficking,
        max(score) filter (where indicator = 'heroin_trade') as heroin_trade,
        max(score) filter (where indicator = 'cocaine_trade') as cocaine_trade,
        max(score) filter (where indicator = 'cannabis_trade') as cannabis_trade,
        max(score) filter (where indicator = 'synthetic_drug_trade') as synthetic_drug_trade,
        max(score) filter (where indicator = 'financial_crimes') as financial_crimes,
        any_value(source_url) as source_url
    from scores
    group by country_iso2, edition
)

select * from final
order by country, edition
