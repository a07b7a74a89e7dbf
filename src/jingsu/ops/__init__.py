"""The entry points: every management command (`jingsu import-roll`, `campaign`, `dispatch`, `serve`, `demo` …) and
the demo's walking skeleton. The top floor of the apps: it may import any of them, and none of them imports it
(docs/architecture.md, "Floors")."""
