-- The weight each price observation carries in the weighted medians: the weight of its
-- confidence (high 1.0, medium 0.6, low 0.3, unrated 0.5). A source graded on the Admiralty
-- scale (source reliability A-F, information credibility 1-6) is multiplied by both grades'
-- weights (A or 1 = 1.0, B or 2 = 0.8, C or 3 = 0.6, D or 4 = 0.4, E or 5 = 0.2, F or 6 -
-- cannot be judged - 0.5); an ungraded source keeps its confidence weight.
with observations as (
    select
        file_path,
        sheet,
        row_number,
        confidence
    from stg_price_observations
),

confidence_weights as (
    select
        unnest(['high', 'medium', 'low']) as confidence,
        unnest([1.0, 0.6, 0.3]) as confidence_weight
),

final as (
    select
        observations.file_path,
        observations.sheet,
        observations.row_number,
        coalesce(confidence_weights.confidence_weight, 0.5) as confidence_weight,
        coalesce(confidence_weights.confidence_weight, 0.5) as source_weight
    from observations
    left join confidence_weights
        on observations.confidence = confidence_weights.confidence
)

select * from final
