-- The raw training_features table written by the demo's data generator.
select * from {{ source('raw', 'training_features') }}
