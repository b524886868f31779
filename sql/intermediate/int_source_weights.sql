-- The weight a price observation carries in the weighted medians, for each combination of
-- confidence and grades the observations have (the cells tables join it on those three
-- columns, empty ones included): the weight of its confidence (high 1.0, medium 0.6, low
-- 0.3, unrated 0.5). A source graded on the Admiralty scale is multiplied by the weight of
-- each grade it has: source reliability A 1.0, B 0.8, C 0.6, D 0.4, E 0.2, F (cannot be
-- judged) 0.5; information credibility 1 1.0, 2 0.8, 3 0.6, 4 0.4, 5 0.2, 6 (cannot be
-- judged) 0.5. An ungraded source keeps its confidence weight.
with observations as (
    select distinct
        confidence,
        source_reliability,
        information_credibility
    from stg_price_observations
),

confidence_weights as (
    select
        unnest(['high', 'medium', 'low']) as confidence,
        cast(unnest([1.0, 0.6, 0.3]) as double) as confidence_weight
),

reliability_weights as (
    select
        unnest(['A', 'B', 'C', 'D', 'E', 'F']) as source_reliability,
        cast(unnest([1.0, 0.8, 0.6, 0.4, 0.2, 0.5]) as double) as reliability_weight
),

credibility_weights as (
    select
        unnest(['1', '2', '3', '4', '5', '6']) as information_credibility,
        cast(unnest([1.0, 0.8, 0.6, 0.4, 0.2, 0.5]) as double) as credibility_weight
),

final as (
    select
        observations.confidence,
        observations.source_reliability,
        observations.information_credibility,
        coalesce(confidence_weights.confidence_weight, 0.5) as confidence_weight,
        reliability_weights.reliability_weight,
        credibility_weights.credibility_weight,
        round(
            coalesce(confidence_weights.confidence_weight, 0.5)
            * coalesce(reliability_weights.reliability_weight, 1.0)
            * coalesce(credibility_weights.credibility_weight, 1.0),
            6
        ) as source_weight
    from observations
    left join confidence_weights
        on observations.confidence = confidence_weights.confidence
    left join reliability_weights
        on observations.source_reliability = reliability_weights.source_reliability
    left join credibility_weights
        on observations.information_credibility = credibility_weights.information_credibility
)

select * from final
