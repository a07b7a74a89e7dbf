"""jingsu.law — the law as plain Python (no Django).

- `params`: dated YAML parameters by jurisdiction (구 → 시·도 → kr), strict schema, `NoRuleForDate` outside them.
- `money`: int won, exact rates, 10원 미만 절사 (지방세기본법 제59조 → 국고금 관리법 제47조).
- `trace`: calculation steps {rule, article, inputs, output}.
- `calc`: the JSON calculator registry and ``jingsu calc NAME [--explain]``.
- `property_tax` (재산세 of one object), `property_tax_bill` (one taxpayer's 재산세 notices: 합산과세, 감면,
  소방분, 소액 징수면제, 납기, 분할납부), `fire_facility_tax` (지역자원시설세 소방분),
  `vehicle_tax` (자동차세 비영업용 승용), `resident_individual_tax` (주민세 개인분·균등분 and the 주민세 지방교육세), `penalty` (가산금·납부지연가산세), `procedure` (납부기한, 독촉, 송달), `dates`.

Keep this package free of Django imports (tests/law/test_infrastructure.py checks it).
"""
