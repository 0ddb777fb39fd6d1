-- The raw training_set table written by the demo's data generator.
select * from {{ source('raw', 'training_set') }}
