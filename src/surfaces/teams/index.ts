export { createTeamsSurface, TEAMS_MESSAGES_PATH, type TeamsAuthOptions, type TeamsSurface, type TeamsSurfaceOptions } from './surface.js';
export { ADAPTIVE_CARD_CONTENT_TYPE, renderAdaptiveCard, TEAMS_LIMITS, type AdaptiveCard, type TeamsMessage } from './render.js';
export { teamsSendVerdict, TEAMS_CONVERSATION_RATES } from './connector.js';
