/** Small word lists for plausible sample data (invented names; UN/LOCODEs and ISO codes are public). */
export const COMPANY_A = ['Pacific', 'Northern', 'Atlas', 'Harbour', 'Meridian', 'Summit', 'Blue Anchor', 'Orion', 'Keystone', 'Silverline', 'Evergreen', 'Crescent', 'Granite', 'Lighthouse', 'Redwood', 'Coastal'];
export const COMPANY_B = ['Logistics', 'Trading', 'Imports', 'Freight', 'Industries', 'Foods', 'Textiles', 'Electronics', 'Shipping', 'Supply', 'Manufacturing', 'Distribution'];
export const COMPANY_C = ['Ltd', 'GmbH', 'Inc', 'Pty Ltd', 'BV', 'SAS', 'Co', 'LLC', 'Sdn Bhd', 'KK'];
export const FIRST = ['Anna', 'Ben', 'Chen', 'Dara', 'Emil', 'Fatima', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena', 'Marco', 'Nadia', 'Omar', 'Priya', 'Rosa', 'Sven', 'Tariq', 'Yuki'];
export const LAST = ['Andersen', 'Brown', 'Costa', 'Dubois', 'Eriksson', 'Fischer', 'Garcia', 'Huang', 'Ivanova', 'Jensen', 'Kumar', 'Lopez', 'Müller', 'Nakamura', 'Okafor', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Wong'];
export const CITIES = ['Rotterdam', 'Hamburg', 'Shanghai', 'Singapore', 'Los Angeles', 'Sydney', 'Dubai', 'Felixstowe', 'Busan', 'Santos', 'Mumbai', 'Antwerp', 'Chicago', 'Auckland', 'Valencia'];
export const STREETS = ['Harbour Rd', 'Quay St', 'Dock Ln', 'Industrial Ave', 'Market St', 'Terminal Way', 'Canal St', 'Airport Blvd'];
export const PORTS = ['NLRTM', 'DEHAM', 'CNSHA', 'SGSIN', 'USLAX', 'AUSYD', 'AEJEA', 'GBFXT', 'KRPUS', 'BRSSZ', 'INNSA', 'BEANR', 'USORD', 'NZAKL', 'ESVLC', 'HKHKG', 'JPTYO', 'USNYC'];
export const COUNTRIES = ['NL', 'DE', 'CN', 'SG', 'US', 'AU', 'AE', 'GB', 'KR', 'BR', 'IN', 'BE', 'NZ', 'ES', 'HK', 'JP'];
export const VESSELS = ['MSC Aurora', 'Maersk Elba', 'CMA CGM Tage', 'Ever Given', 'ONE Harmony', 'Hapag Bonn', 'COSCO Lotus', 'Yang Ming Unity'];
export const WORDS = ['cartons', 'machine parts', 'frozen seafood', 'apparel', 'furniture', 'spare parts', 'electronics', 'wine', 'coffee beans', 'tyres', 'medical supplies', 'paper rolls', 'steel coils', 'toys', 'solar panels'];
export const OWNER_CODES = ['MSCU', 'MAEU', 'CMAU', 'HLXU', 'ONEU', 'COSU', 'TGHU', 'TCLU'];
/** Text that arrived through a wrong code page (UTF-8 read as Latin-1 and re-encoded), combining marks, replacement characters. */
export const MOJIBAKE = ['MÃ¼ller Logistik GmbH', 'SociÃ©tÃ© GÃ©nÃ©rale de Transport', 'Cafe\u0301 Import', 'Ba\uFFFDo Freight', 'â€œQuotedâ€\u009d Trading', 'Zoë ℗ Ωmega', 'Stra\u00DFe \u0130stanbul'];
