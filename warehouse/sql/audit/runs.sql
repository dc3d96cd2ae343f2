-- 运行记录: every run of the nightly flow — those recorded in the warehouse (audit.run_log) and those recorded
-- beside it because they wrote nothing (`unchanged`; one JSON file each under `pending`, until the next
-- publish folds them in). `pending` is an absolute glob rendered when the view is created; where it matches
-- nothing (another machine, a copied file) the view shows the warehouse's own rows.
create or replace view audit.runs as
select * from audit.run_log
{% if pending %}
union all by name
select unnest(from_json(content, '{ {%- for name, kind in columns -%}"{{ name }}": "{{ kind }}"{{ ", " if not loop.last }}{%- endfor -%} }'))
from read_text('{{ pending | replace("'", "''") }}')
where json_extract_string(content, '$.run_id') not in (select run_id from audit.run_log)
{% endif %}
;
