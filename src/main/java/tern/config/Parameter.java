package tern.config;

/**
 * Parameter - one entry of the registry: a main.cf name, its type and its Postfix 3.7 default.
 *
 * @param name         the main.cf name
 * @param type         how the value converts
 * @param defaultValue the default, unexpanded (it may refer to other parameters with $name);
 *                     null means "computed from the machine" (see {@link MachineDefaults})
 * @param timeUnit     for TIME parameters, the unit of a bare number ('s', 'm', 'h', 'd', 'w'); else 0
 * @param implemented  whether Tern acts on it; a known Postfix parameter that Tern does not implement
 *                     yet is accepted with its default, and the daemon warns when main.cf sets it
 */
public record Parameter(String name, ParameterType type, String defaultValue, char timeUnit, boolean implemented) {
}
