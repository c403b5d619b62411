/**
 * The platform catalog (device categories, operating systems, browsers, device models) behind test
 * requirements and bug devices. Catalog ids are TestIO-wide reference ids, so they repeat across
 * tests; only the requirement itself gets a fresh id.
 *
 * @example
 * ```ts
 * import { Rng } from "./prng.ts";
 * const platform = new Rng(1).pick(PLATFORMS_BY_TYPE.website);
 * ```
 */

import type { ProductType, RawKeyedRef, RawNamedRef } from "./types.ts";

/** One testable platform: a category, an OS with its versions, browsers and device models. */
export interface Platform {
  category: RawKeyedRef;
  os: RawKeyedRef;
  versions: readonly RawNamedRef[];
  browsers: readonly { id: number; name: string; key: string }[];
  /** Device models with their vendor. */
  models: readonly { id: number; name: string; vendor: RawNamedRef }[];
  gaming: boolean;
}

const COMPUTER = { id: 1, key: "computer", name: "Computers" };
const SMARTPHONE = { id: 2, key: "smartphone", name: "Smartphones" };
const TABLET = { id: 3, key: "tablet", name: "Tablets" };
const SMART_TV = { id: 4, key: "smart_tv", name: "Smart TVs" };
const CONSOLE = { id: 5, key: "console", name: "Game consoles" };

const APPLE = { id: 1, name: "Apple" };
const SAMSUNG = { id: 2, name: "Samsung" };
const GOOGLE = { id: 3, name: "Google" };
const SONY = { id: 4, name: "Sony" };
const MICROSOFT = { id: 5, name: "Microsoft" };
const LG = { id: 6, name: "LG" };
const DELL = { id: 7, name: "Dell" };
const LENOVO = { id: 8, name: "Lenovo" };

const CHROME = { id: 2, name: "Chrome", key: "chrome" };
const FIREFOX = { id: 3, name: "Firefox", key: "firefox" };
const SAFARI = { id: 4, name: "Safari", key: "safari" };
const EDGE = { id: 5, name: "Edge", key: "edge" };

const versions = (osId: number, names: string[]): RawNamedRef[] =>
  names.map((name, i) => ({ id: osId * 100 + i, name }));

const WINDOWS: Platform = {
  category: COMPUTER,
  os: { id: 6, key: "windows", name: "Windows" },
  versions: versions(6, ["10", "11"]),
  browsers: [CHROME, FIREFOX, EDGE],
  models: [{ id: 101, name: "XPS 13", vendor: DELL }, { id: 102, name: "ThinkPad T14", vendor: LENOVO }],
  gaming: false,
};
const MACOS: Platform = {
  category: COMPUTER,
  os: { id: 9, key: "macos", name: "macOS" },
  versions: versions(9, ["13", "14", "15"]),
  browsers: [SAFARI, CHROME, FIREFOX],
  models: [{ id: 103, name: "MacBook Pro", vendor: APPLE }, { id: 104, name: "MacBook Air", vendor: APPLE }],
  gaming: false,
};
const ANDROID_PHONE: Platform = {
  category: SMARTPHONE,
  os: { id: 20, key: "android", name: "Android" },
  versions: versions(20, ["12", "13", "14", "15"]),
  browsers: [CHROME],
  models: [{ id: 201, name: "Pixel 8", vendor: GOOGLE }, { id: 202, name: "Galaxy S23", vendor: SAMSUNG }],
  gaming: false,
};
const IOS_PHONE: Platform = {
  category: SMARTPHONE,
  os: { id: 21, key: "ios", name: "iOS" },
  versions: versions(21, ["16", "17", "18"]),
  browsers: [SAFARI],
  models: [{ id: 203, name: "iPhone 15", vendor: APPLE }, { id: 204, name: "iPhone SE", vendor: APPLE }],
  gaming: false,
};
const ANDROID_TABLET: Platform = {
  ...ANDROID_PHONE,
  category: TABLET,
  models: [{ id: 301, name: "Galaxy Tab S9", vendor: SAMSUNG }],
};
const IOS_TABLET: Platform = {
  ...IOS_PHONE,
  category: TABLET,
  os: { id: 22, key: "ipados", name: "iPadOS" },
  versions: versions(22, ["17", "18"]),
  models: [{ id: 302, name: "iPad Air", vendor: APPLE }],
};
const TIZEN: Platform = {
  category: SMART_TV,
  os: { id: 30, key: "tizen", name: "Tizen" },
  versions: versions(30, ["6.5", "7.0"]),
  browsers: [],
  models: [{ id: 401, name: "QLED Q80", vendor: SAMSUNG }],
  gaming: false,
};
const WEBOS: Platform = {
  category: SMART_TV,
  os: { id: 31, key: "webos", name: "webOS" },
  versions: versions(31, ["22", "23"]),
  browsers: [],
  models: [{ id: 402, name: "OLED C3", vendor: LG }],
  gaming: false,
};
const PLAYSTATION: Platform = {
  category: CONSOLE,
  os: { id: 40, key: "playstation", name: "PlayStation OS" },
  versions: versions(40, ["5"]),
  browsers: [],
  models: [{ id: 501, name: "PlayStation 5", vendor: SONY }],
  gaming: true,
};
const XBOX: Platform = {
  category: CONSOLE,
  os: { id: 41, key: "xbox", name: "Xbox OS" },
  versions: versions(41, ["Series"]),
  browsers: [],
  models: [{ id: 502, name: "Xbox Series X", vendor: MICROSOFT }],
  gaming: true,
};

/** Platforms a product of each type is tested on. */
export const PLATFORMS_BY_TYPE: Readonly<Record<ProductType, readonly Platform[]>> = {
  website: [WINDOWS, MACOS, ANDROID_PHONE, IOS_PHONE],
  mobile_app_ios: [IOS_PHONE, IOS_TABLET],
  mobile_app_android: [ANDROID_PHONE, ANDROID_TABLET],
  mobile_app_windows: [WINDOWS],
  streaming_app: [TIZEN, WEBOS, ANDROID_PHONE, IOS_PHONE],
  gaming: [PLAYSTATION, XBOX, { ...WINDOWS, gaming: true }],
};
