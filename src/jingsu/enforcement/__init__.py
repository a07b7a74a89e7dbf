"""체납처분·행정제재 as the team's daily work: who qualifies for which measure today (`facts`, the worklist), and the
cases that carry a measure through its stages. The law (thresholds, periods, articles) is `jingsu.law.enforcement`;
this app only reads the record into its `Facts` and keeps what people decided."""
