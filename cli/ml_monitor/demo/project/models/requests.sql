-- The raw requests table written by the demo's data generator.
select * from {{ source('raw', 'requests') }}
