export * from './types';
export * from './message';
export * from './dispatch';
export * from './store';
export { CHANNEL_KINDS, CHANNEL_KIND_NAMES, channelKind, type ChannelKind, type ChannelKindName } from './channels';
