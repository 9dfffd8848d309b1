export { createSlackSurface, SLACK_EVENTS_PATH, type SlackSurface, type SlackSurfaceOptions } from './surface.js';
export { renderBlockKit, SLACK_LIMITS, stripActionSuffix, toMrkdwn, type SlackMessage } from './render.js';
export { slackRef } from './notifier.js';
export { createDeliveryDedupe, sharedDeliveryDedupe, type DeliveryDedupe } from './dedupe.js';
export { isSlackResponseUrl } from './response-url.js';
