-- One warning per figure (SPEC §3.7): a figure a specific check already warns of — beyond its bound, 经费 typed in
-- 元, a 份/块 figure holding money — is not also an outlier, and neither is any figure of a file whose columns
-- are shifted or typed twice (impossible_shifted_column, impossible_same_column): the office looks at that file.
delete from _core_issues as o
where o.code = 'outlier_value'
  and exists (
      select 1 from _core_issues as w
      where w.sha256 = o.sha256
        and ((w.code in ('bound_exceeded', 'unit_slip_funding', 'unit_slip_count')
              and w.sheet = o.sheet and w.cell = o.cell)
             or w.code in ('impossible_shifted_column', 'impossible_same_column')));
