import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';

export interface HttpEnv {
  Variables: {
    ctx: AppContext;
    principal: Principal | null;
  };
}
