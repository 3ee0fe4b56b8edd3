import { corpusSuite, fixtureSuite } from "./asp/fixture-suite.ts";

fixtureSuite("jsp", 50);
corpusSuite(["jsp"]);
