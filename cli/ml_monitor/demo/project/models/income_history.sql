-- The raw income_history table written by the demo's data generator.
select * from {{ source('raw', 'income_history') }}
