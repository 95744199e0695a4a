// cdktf's jest matchers (toHaveResource, toHaveProvider, ...).
import "cdktf/lib/testing/adapters/jest";
import { Testing } from "cdktf";

Testing.setupJest();
