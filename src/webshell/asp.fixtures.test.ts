import { corpusSuite, fixtureSuite } from "./asp/fixture-suite.ts";

fixtureSuite("asp", 40);
fixtureSuite("aspx", 40);
corpusSuite(["asp", "aspx"]);
