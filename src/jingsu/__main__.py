from jingsu.cli import main

raise SystemExit(main())
